# %% [markdown]
# # 06 · MNIST, mão na massa
#
# Chegou a hora de treinar uma rede convolucional de verdade, do começo ao fim, no conjunto de
# dados mais famoso da visão computacional: o MNIST, com dígitos de 0 a 9 escritos à mão. É a
# prática "Classificando dígitos escritos à mão" dos slides da FIAP (ver as Fontes, no fim),
# e o mesmo modelo vai servir de ponto de partida para o desafio da próxima aula.
#
# Você vai aprender a:
#
# - carregar o MNIST e olhar as imagens e os valores dos seus pixels;
# - preparar as imagens para o Keras: `float32` entre 0 e 1, com um eixo de canal;
# - distinguir rótulos esparsos de rótulos *one-hot*, escrever o *one-hot* com o índice
#   avançado do NumPy e escolher a função de perda certa para cada um;
# - montar a rede Conv → Pool → Conv → Pool → Flatten → Dropout → Dense e contar os seus
#   parâmetros;
# - compilar, treinar com uma parte de validação e ler as curvas de treino;
# - avaliar no conjunto de teste: acurácia, matriz de confusão e os dígitos que a rede erra;
# - ver o que a rede aprendeu: os filtros da primeira camada e os mapas de características
#   de um dígito, camada a camada;
# - classificar um dígito que não é do MNIST, preparado do jeito que o MNIST foi preparado;
# - salvar o modelo num arquivo `.keras` e carregá-lo de volta.
#
# Os termos seguem o glossário do curso, que dá também o nome em inglês de cada um:
# [glossário do curso](https://github.com/cnn-curso-ptbr/curso-cnn/blob/main/docs/glossario.md).

# %%
import os
import tempfile
import time

import keras
import matplotlib.pyplot as plt
import numpy as np
import tensorflow as tf
from sklearn.metrics import confusion_matrix

from course_utils import config, fmt, lessons
from course_utils.checks import ____
from course_utils.datasets import MNIST_CLASSES, load_mnist
from course_utils.exercises.lesson06 import ex1, ex2, ex3, ex4, ex5
from course_utils.images import load_sample_image
from course_utils.models import build_mnist_cnn
from course_utils.progress import LiveTraining
from course_utils.plots import (
    plot_confusion_matrix,
    plot_history,
    show_feature_maps,
    show_images,
    show_matrix,
    show_misclassified,
)

config.set_seed(lessons.SEED)  # a semente do curso: a mesma em todas as aulas
print(config.fast_mode_line())

# %% [markdown]
# As escolhas de treino ficam juntas, aqui em cima, para você achá-las e mudá-las com
# facilidade. `config.epochs(15, 1)` devolve 15 épocas normalmente e só 1 no modo rápido.

# %%
EPOCHS = config.epochs(15, 1)
BATCH_SIZE = 128
VALIDATION_SPLIT = 0.1
print(f"épocas: {EPOCHS}, tamanho do lote: {BATCH_SIZE}, fração de validação: "
      f"{fmt.num(VALIDATION_SPLIT)}")

# %% [markdown]
# ## Os dados
#
# O MNIST (*Modified National Institute of Standards and Technology database*) junta dígitos
# escritos por funcionários do censo americano e por estudantes. Ele já vem separado em
# treino e teste: a rede aprende com o treino e só no fim a medimos no teste, com imagens
# que ela nunca viu. `load_mnist` devolve os dois pares `(imagens, rótulos)`, no mesmo
# formato de `keras.datasets.mnist.load_data()`.

# %%
(x_train_raw, y_train), (x_test_raw, y_test) = load_mnist()
print("treino:", x_train_raw.shape, x_train_raw.dtype, "| rótulos:", y_train.shape, y_train.dtype)
print("teste: ", x_test_raw.shape, x_test_raw.dtype, "| rótulos:", y_test.shape, y_test.dtype)

# %% [markdown]
# Leia os formatos como (número de imagens, altura, largura). O MNIST completo tem 60.000
# imagens de treino e 10.000 de teste (os números que os slides do IFCE dão), e é isso que
# `load_mnist` baixa na primeira vez. Você pode ter menos: no modo rápido o curso usa uma
# amostra com a mesma proporção de cada dígito, e numa cópia local dos dados (como a que
# os testes do curso usam quando não há internet) pode haver só uma parte das imagens. A
# célula abaixo diz qual é o seu caso; todos os números desta aula valem para os dados que
# você carregou.

# %%
FULL_TRAIN, FULL_TEST = 60_000, 10_000  # tamanho do MNIST completo
print(f"treino: {fmt.num(len(x_train_raw))} de {fmt.num(FULL_TRAIN)} imagens "
      f"({fmt.pct(len(x_train_raw) / FULL_TRAIN, 0)} do MNIST completo)")
print(f"teste:  {fmt.num(len(x_test_raw))} de {fmt.num(FULL_TEST)} imagens "
      f"({fmt.pct(len(x_test_raw) / FULL_TEST, 0)} do MNIST completo)")

# %% [markdown]
# Quantos exemplos há de cada dígito? `np.bincount` conta quantas vezes aparece cada rótulo:

# %%
for name, labels in (("treino", y_train), ("teste", y_test)):
    print(f"{name:>6}:", dict(zip(MNIST_CLASSES, np.bincount(labels, minlength=10).tolist())))

# %% [markdown]
# As classes estão mais ou menos equilibradas, então a acurácia (a fração de acertos) é uma
# medida justa: nenhum dígito domina o conjunto.
#
# Agora, as próprias imagens, com o rótulo de cada uma como título:

# %%
show_images(x_train_raw[:16], titles=y_train[:16].tolist(), ncols=8,
            suptitle="Os primeiros dígitos do treino");

# %% [markdown]
# ## Um dígito de perto
#
# Para o computador, cada imagem é só uma matriz de números, como na matriz 5×5 dos slides
# da FIAP. Eis a primeira imagem do treino, pixel a pixel:

# %%
digit = x_train_raw[0]
print("formato:", digit.shape, "| menor valor:", digit.min(), "| maior valor:", digit.max())
show_matrix(digit, title=f"Imagem 0 do treino (rótulo {y_train[0]})", fmt="{:d}");

# %% [markdown]
# Repare em duas coisas. O fundo é **preto** (0) e a tinta é **clara** (até 255): no MNIST o
# dígito é branco sobre preto, o contrário de uma folha de papel. E a maior parte da imagem
# é fundo, como a célula abaixo mede: a informação está nos pixels do meio.

# %%
print(f"fração de pixels de fundo (= 0) no treino: {fmt.pct(np.mean(x_train_raw == 0))}")

# %% [markdown]
# ## Preparando as imagens
#
# Duas mudanças antes de entregar as imagens à rede.
#
# **Escala.** Os pixels chegam como `uint8`, inteiros de 0 a 255. A rede trabalha com
# números reais, e o treino anda melhor com entradas pequenas, perto de 0 a 1: os pesos
# começam pequenos, e entradas na casa das centenas geram ativações e gradientes enormes.
# Convertemos para `float32` (o tipo que o Keras usa; metade da memória de `float64`) e
# dividimos por 255.
#
# **Canal.** Uma camada `Conv2D` espera cada imagem no formato (altura, largura, canais),
# como uma foto RGB com 3 canais. Um dígito em tons de cinza tem **um** canal, mas o eixo
# precisa estar lá: (28, 28) vira (28, 28, 1). Um lote de imagens fica
# (lote, altura, largura, canais).
#
# Veja as duas mudanças em uma imagem só:

# %%
one = digit.astype("float32") / 255
print("dtype:", one.dtype, "| valores de", fmt.num(float(one.min())), "a",
      fmt.num(float(one.max())))
print("antes:", one.shape, "| com o eixo de canal:", one[..., np.newaxis].shape)

# %% [markdown]
# ### Exercício 1 · Prepare um lote
#
# Complete `prepare`: recebe um lote `uint8` de formato `(N, 28, 28)` e devolve um lote
# `float32` de formato `(N, 28, 28, 1)` com valores em $[0, 1]$. O `check` chama a sua
# função com lotes aleatórios de vários tamanhos.


# %%
def prepare(images):
    """uint8 (N, 28, 28) → float32 (N, 28, 28, 1) em [0, 1]."""
    # BEGIN SOLUTION ex1
    return (images.astype("float32") / 255)[..., np.newaxis]
    # END SOLUTION


ex1.check(prepare)

# %%
# ex1.hint()
# ex1.solution()

# %% [markdown]
# Daqui em diante usamos a preparação de referência, escrita abaixo, em todas as imagens de
# treino e de teste:

# %%
x_train = (x_train_raw.astype("float32") / 255)[..., np.newaxis]
x_test = (x_test_raw.astype("float32") / 255)[..., np.newaxis]
print("x_train:", x_train.shape, x_train.dtype, "| x_test:", x_test.shape, x_test.dtype)
print("valores de", fmt.num(float(x_train.min())), "a", fmt.num(float(x_train.max())))

# %% [markdown]
# ## Rótulos: esparsos ou *one-hot*
#
# Os rótulos do MNIST são **esparsos** (*sparse*): um inteiro por imagem, o próprio dígito.

# %%
print("rótulos:", y_train[:8])

# %% [markdown]
# A rede, porém, não responde com um inteiro: a última camada devolve **10 probabilidades**,
# uma por classe. A outra forma de escrever o rótulo combina com isso: um vetor com um 1 na
# posição da classe certa e 0 no resto, a codificação ***one-hot***. O rótulo 3 vira
# $[0, 0, 0, 1, 0, 0, 0, 0, 0, 0]$: a "probabilidade perfeita" que a rede deveria prever.
#
# ### Uma ferramenta do NumPy: o índice avançado
#
# Para ler ou escrever vários elementos de uma matriz de uma vez, o NumPy aceita **dois
# arrays de índices**, lidos aos pares: o primeiro diz as linhas, o segundo as colunas.
# `grid[[0, 1, 2], [3, 0, 2]]` são os elementos (0, 3), (1, 0) e (2, 2):

# %%
grid = np.arange(12).reshape(3, 4)
print(grid)
print("elementos (0, 3), (1, 0) e (2, 2):", grid[[0, 1, 2], [3, 0, 2]])

# %% [markdown]
# O mesmo índice serve para **escrever**: cada par (linha, coluna) recebe o valor.

# %%
marks = np.zeros((3, 4), dtype=int)
marks[[0, 1, 2], [3, 0, 2]] = 1
print(marks)

# %% [markdown]
# ### Exercício 2 · *One-hot* à mão
#
# Escreva `one_hot(labels, num_classes)` com NumPy: uma **linha** por rótulo, uma **coluna**
# por classe, e um 1 na coluna do rótulo. Use `num_classes` para o número de colunas: um
# lote pequeno pode não ter todos os dígitos.


# %%
def one_hot(labels, num_classes):
    """Rótulos inteiros (N,) → matriz (N, num_classes) de 0 e 1."""
    # BEGIN SOLUTION ex2
    result = np.zeros((len(labels), num_classes))
    result[np.arange(len(labels)), labels] = 1
    return result
    # END SOLUTION


ex2.check(one_hot)

# %%
# ex2.hint()
# ex2.solution()

# %% [markdown]
# O Keras já tem essa função pronta: `keras.utils.to_categorical`.

# %%
y_train_onehot = keras.utils.to_categorical(y_train, num_classes=10)
print("formato:", y_train_onehot.shape, y_train_onehot.dtype)
for label, row in zip(y_train[:3], y_train_onehot[:3]):
    print(label, "→", row)

# %% [markdown]
# **Qual perda vai com qual rótulo?** As duas formas levam à mesma conta, a entropia
# cruzada $-\log p_{\text{classe certa}}$; muda só o formato que a função de perda espera:
#
# | rótulos | formato | perda (`loss=`) |
# | --- | --- | --- |
# | esparsos (inteiros) | `(N,)` | `"sparse_categorical_crossentropy"` |
# | *one-hot* | `(N, 10)` | `"categorical_crossentropy"` |
#
# Conferindo com umas probabilidades inventadas para três exemplos:

# %%
fake_probs = keras.ops.softmax(np.random.default_rng(0).normal(size=(3, 10)).astype("float32"))
sparse_loss = keras.losses.SparseCategoricalCrossentropy()(y_train[:3], fake_probs)
onehot_loss = keras.losses.CategoricalCrossentropy()(y_train_onehot[:3], fake_probs)
print(f"esparsa com inteiros: {fmt.num(float(sparse_loss), 6)}")
print(f"categórica com one-hot: {fmt.num(float(onehot_loss), 6)}")

# %% [markdown]
# Mesmo número. Trocar os pares dá erro, porque os formatos não batem:

# %%
try:
    keras.losses.CategoricalCrossentropy()(y_train[:3], fake_probs)
except ValueError as error:
    print("categorical_crossentropy com inteiros →", type(error).__name__)
    print(str(error)[:160])

# %% [markdown]
# Nesta aula ficamos com os rótulos inteiros e `sparse_categorical_crossentropy`: não é
# preciso guardar uma matriz com dez colunas quase só de zeros.

# %% [markdown]
# ## O modelo
#
# A rede é a do exemplo "Simple MNIST convnet" da documentação do Keras (os slides da FIAP
# anunciam a prática, mas não mostram a rede). Ela está em
# `course_utils.models.build_mnist_cnn`, porque a aula 07 usa a mesma função com outros
# argumentos para fazer a rede crescer. Com os valores padrão, ela monta exatamente esta
# pilha, escrita aqui camada a camada:

# %%
lesson_model = keras.Sequential([
    keras.Input(shape=(28, 28, 1)),  # uma imagem 28×28 com 1 canal; o lote fica implícito
    keras.layers.Conv2D(32, 3, activation="relu"),  # 32 filtros 3×3, preenchimento "valid"
    keras.layers.MaxPooling2D(2),  # o maior valor de cada janela 2×2
    keras.layers.Conv2D(64, 3, activation="relu"),  # 64 filtros, sobre os 32 mapas
    keras.layers.MaxPooling2D(2),
    keras.layers.Flatten(),  # os mapas enfileirados num vetor
    keras.layers.Dropout(0.5),  # desliga metade do vetor a cada passo, só no treino
    keras.layers.Dense(10, activation="softmax"),  # uma probabilidade por dígito
])
model = build_mnist_cnn()
lesson_kinds = [type(layer).__name__ for layer in lesson_model.layers]
course_kinds = [type(layer).__name__ for layer in model.layers[1:]]  # [1:]: sem a entrada
same_layers = lesson_kinds == course_kinds
same_params = lesson_model.count_params() == model.count_params()
print("build_mnist_cnn() tem as mesmas camadas?", "sim" if same_layers else "não")
print("e o mesmo número de parâmetros?", "sim" if same_params else "não")

# %% [markdown]
# Camada a camada, com os nomes da aula da FIAP e dos slides do IFCE:
#
# - `keras.Input(shape=(28, 28, 1))` declara o formato de **uma** imagem; o lote fica
#   implícito (`None` no resumo).
# - `Conv2D(32, 3, activation="relu")`: 32 filtros 3×3, cada um gera um mapa de
#   características, seguido da ReLU. Sem preenchimento (`padding="valid"`), então
#   $W_2 = (W_1 - F + 2P)/S + 1$ com $P = 0$, $S = 1$.
# - `MaxPooling2D(2)`: fica com o maior valor de cada janela 2×2 e divide altura e largura
#   por 2 (arredondando para baixo).
# - A segunda dupla Conv/Pool faz o mesmo com 64 filtros, que agora olham os 32 mapas da
#   camada anterior.
# - `Flatten` enfileira os mapas num vetor, para a parte densa.
# - `Dropout` zera, **só no treino**, uma fração aleatória desse vetor a cada passo (e
#   multiplica os valores que sobram por $1/(1 - \text{taxa})$, para a soma não encolher), para
#   a rede não depender de poucas posições (a aula opcional sobre *dropout* conta a
#   analogia do time de futebol).
# - `Dense(10, activation="softmax")`: uma saída por dígito, transformada em probabilidades
#   que somam 1: $\text{softmax}(z)_i = e^{z_i} / \sum_j e^{z_j}$.
#
# Daqui em diante usamos `model`, o da função do curso.

# %%
print("fração desligada pelo dropout:", fmt.num(model.layers[-2].rate))

# %% [markdown]
# O resumo do modelo mostra, para cada camada, o formato da saída e o número de parâmetros
# (pesos e vieses). Uma convolução com $K$ filtros $F \times F$ sobre uma entrada de $C$
# canais tem $(F \cdot F \cdot C + 1) \cdot K$ parâmetros: cada filtro cobre todos os canais
# e tem o seu viés. Uma densa com $n$ entradas e $m$ saídas tem $(n + 1) \cdot m$. Confira
# duas linhas do resumo com essas contas.

# %%
model.summary()

# %% [markdown]
# ### Exercício 3 · Conte os parâmetros
#
# A mesma rede serviria para fotos coloridas 32×32, como as do CIFAR-10 que você vai usar
# na aula 08: `build_mnist_cnn(input_shape=(32, 32, 3))`. Sem construir esse modelo, calcule
# quantos parâmetros cada camada dele teria, na ordem: convolução, *pooling*, convolução,
# *pooling*, `Flatten`, *dropout*, densa. Algumas camadas ficam iguais às do resumo acima, outras
# não: siga o formato da imagem camada a camada e pense em quais contas dependem do número
# de canais e do tamanho da imagem. Escreva contas, não só números.

# %%
# BEGIN SOLUTION ex3
layer_params = [
    (3 * 3 * 3 + 1) * 32,  # conv: 32×32×3 → 30×30×32; cada filtro cobre os 3 canais
    0,  # pool: → 15×15×32
    (3 * 3 * 32 + 1) * 64,  # conv: → 13×13×64 (igual à do MNIST: a entrada tem 32 canais)
    0,  # pool: 13/2 = 6,5 → 6×6×64
    0,  # flatten: → 6·6·64 = 2304
    0,  # dropout
    (6 * 6 * 64 + 1) * 10,  # densa: 2304 entradas → 10 saídas
]
# END SOLUTION
ex3.check(layer_params)

# %%
# ex3.hint()
# ex3.solution()

# %% [markdown]
# Só duas camadas mudaram: a primeira convolução, porque cada filtro agora cobre 3 canais, e
# a densa, porque o `Flatten` entrega um vetor maior. A segunda convolução não muda: os
# seus filtros olham os 32 mapas da camada anterior, seja qual for o tamanho da imagem.

# %% [markdown]
# Quanto cada camada pesa no total:

# %%
total = model.count_params()
for layer in model.layers[1:]:
    share = fmt.pct(layer.count_params() / total, 0)
    print(f"{layer.name:<16}{fmt.num(layer.count_params()):>7}  ({share})")

# %% [markdown]
# Quase tudo está na segunda convolução e na densa. Mesmo assim, a convolução é
# econômica: cada filtro 3×3 é **compartilhado** por todas as posições da imagem.
# Se a segunda convolução fosse uma camada densa, ligando cada valor da sua entrada a cada
# valor da sua saída, ela precisaria de:

# %%
conv2 = model.layers[3]
n_in = int(np.prod(conv2.input.shape[1:]))
n_out = int(np.prod(conv2.output.shape[1:]))
print(f"{conv2.name}: entrada {conv2.input.shape[1:]}, saída {conv2.output.shape[1:]}")
print(f"como convolução: {fmt.num(conv2.count_params()):>12} parâmetros")
print(f"como densa:      {fmt.num((n_in + 1) * n_out):>12} parâmetros")

# %% [markdown]
# Milhares contra dezenas de milhões, para produzir mapas do mesmo tamanho. Compartilhar o
# filtro é o que torna as redes convolucionais viáveis em imagens.

# %% [markdown]
# ## Compilar e treinar
#
# `compile` diz **como** treinar: o otimizador (Adam, que ajusta o passo de cada peso), a
# perda que ele minimiza (entropia cruzada com rótulos inteiros) e as métricas que queremos
# acompanhar. Argumentos com nome deixam claro o que é cada coisa.

# %%
model.compile(
    optimizer="adam",
    loss="sparse_categorical_crossentropy",
    metrics=["accuracy"],
)

# %% [markdown]
# `fit` treina. A cada época a rede passa por todo o treino em lotes de `BATCH_SIZE`
# imagens e ajusta os pesos depois de cada lote. `validation_split` separa uma fração do
# treino para **validação**: imagens que a rede não usa para aprender e que servem para ver,
# época a época, se ela generaliza. Atenção: o Keras pega as **últimas** imagens do array,
# antes de embaralhar; funciona aqui porque o MNIST não está ordenado por classe.
#
# Enquanto treina, a célula mostra uma figura com as curvas de perda e de acurácia,
# redesenhada a cada época (no modo rápido, só uma linha no fim).

# %%
start = time.perf_counter()
history = model.fit(
    x_train,
    y_train,
    batch_size=BATCH_SIZE,
    epochs=EPOCHS,
    validation_split=VALIDATION_SPLIT,
    verbose=0,  # sem uma linha por época: LiveTraining redesenha as curvas a cada época
    callbacks=[LiveTraining()],
)
print(f"treino: {fmt.num(time.perf_counter() - start, 1)} s")

# %% [markdown]
# As curvas mostram a perda e a acurácia no treino e na validação, época a época:

# %%
plot_history(history);

# %% [markdown]
# Como ler: enquanto as duas curvas de perda caem juntas, a rede está aprendendo algo que
# vale também para imagens novas. Se a perda de treino continuar caindo e a de validação
# começar a subir, a rede passou a decorar o treino (sobreajuste, *overfitting*). No começo
# a acurácia de validação pode ficar **acima** da de treino: as métricas de treino são
# medidas com o *dropout* ligado e são a média de uma época em que a rede ainda estava
# aprendendo; as de validação usam a rede do fim da época, sem *dropout*.
#
# No modo rápido há uma única época, e o gráfico é só um ponto de cada curva.

# %% [markdown]
# ## Avaliando no teste
#
# O teste é a nota final: imagens que não participaram nem do treino nem da validação.

# %%
test_loss, test_accuracy = model.evaluate(x_test, y_test, verbose=0)
print(f"perda no teste: {fmt.num(test_loss, 4)} | acurácia no teste: {fmt.pct(test_accuracy, 2)}")

# %% [markdown]
# Para ver **o que** a rede respondeu, use `predict`: uma linha de 10 probabilidades por
# imagem. A classe prevista é a coluna com a maior probabilidade.

# %%
probs = model.predict(x_test, verbose=0)
y_pred = probs.argmax(axis=1)
print("formato:", probs.shape, "| a linha 0 soma", fmt.num(float(probs[0].sum()), 4))
print("probabilidades da imagem 0 do teste:", np.round(probs[0], 3))
print("prevista:", y_pred[0], "| verdadeira:", y_test[0])

# %% [markdown]
# ### Exercício 4 · A acurácia à mão
#
# Escreva `accuracy_from_probs(probs, labels)`: a fração de linhas de `probs` cuja coluna de
# maior probabilidade é o rótulo. O `check` compara com a métrica do Keras em dados
# aleatórios.


# %%
def accuracy_from_probs(probs, labels):
    """Fração de exemplos em que argmax(probs) == rótulo."""
    # BEGIN SOLUTION ex4
    return np.mean(probs.argmax(axis=1) == labels)
    # END SOLUTION


ex4.check(accuracy_from_probs)

# %%
# ex4.hint()
# ex4.solution()

# %% [markdown]
# A mesma conta com a métrica do Keras, aplicada às previsões do teste, dá o número que
# `evaluate` mostrou:

# %%
metric = keras.metrics.SparseCategoricalAccuracy()
metric.update_state(y_test, probs)
print(f"métrica do Keras sobre predict: {fmt.num(float(metric.result()), 4)}")
print(f"model.evaluate:                 {fmt.num(test_accuracy, 4)}")

# %% tags=["solution"]
print(f"accuracy_from_probs:            {fmt.num(accuracy_from_probs(probs, y_test), 4)}")

# %% [markdown]
# ## A matriz de confusão
#
# A acurácia é um número só. A matriz de confusão abre esse número: a linha é o dígito
# verdadeiro, a coluna o previsto. A diagonal conta os acertos; cada valor fora dela é um
# tipo de erro, por exemplo "era 4, a rede disse 9".

# %%
plot_confusion_matrix(y_test, y_pred, class_names=MNIST_CLASSES);

# %% [markdown]
# Os números desenhados vêm de `sklearn.metrics.confusion_matrix`:

# %%
cm = confusion_matrix(y_test, y_pred, labels=range(10))
print(cm)
print("acertos (soma da diagonal):", fmt.num(int(np.trace(cm))), "de", fmt.num(int(cm.sum())))

# %% [markdown]
# ### Exercício 5 · O par mais confundido
#
# Escreva `most_confused(cm)`: devolve `(verdadeiro, previsto)`, a posição do maior valor
# **fora** da diagonal. Não altere a matriz que você recebe (quem chamou ainda vai usá-la).


# %%
def most_confused(cm):
    """(classe verdadeira, classe prevista) do maior valor fora da diagonal de cm."""
    # BEGIN SOLUTION ex5
    off = cm.copy()
    np.fill_diagonal(off, 0)
    i, j = np.unravel_index(np.argmax(off), off.shape)
    return int(i), int(j)
    # END SOLUTION


ex5.check(most_confused)

# %%
# ex5.hint()
# ex5.solution()

# %% tags=["solution"]
true_digit, predicted_digit = most_confused(cm)
print(f"mais confundido: {fmt.num(int(cm[true_digit, predicted_digit]))} imagens de {true_digit} "
      f"previstas como {predicted_digit}")

# %% [markdown]
# Use a sua função na matriz acima: o par que ela devolve é o erro mais frequente desta
# rede, nos dados que você carregou. Veja se os dois dígitos se parecem no traço (um 4 de
# topo fechado e um 9, um 3 e um 5, um 7 e um 1): quando a rede erra, costuma ser entre
# formas vizinhas, não ao acaso.

# %% [markdown]
# ## Onde a rede erra
#
# Números não bastam: olhe os erros. `show_misclassified` sorteia alguns exemplos errados
# do teste e mostra o rótulo verdadeiro e o previsto.

# %%
show_misclassified(x_test, y_test, y_pred, class_names=MNIST_CLASSES, n=10);

# %% [markdown]
# Olhe com calma: vários erros costumam ser dígitos que confundiriam uma pessoa também
# (traços cortados, inclinações exageradas, um 1 com serifa que lembra um 7). Parte do erro
# está nos próprios dados.

# %% [markdown]
# ## O que a rede aprendeu
#
# Na aula 03 os filtros eram escolhidos à mão. Agora eles foram **aprendidos**: o treino
# ajustou os 9 pesos de cada um dos 32 filtros da primeira convolução. Eis os 32, em tons de
# cinza (claro é peso positivo, escuro é negativo; cada filtro na sua própria escala):

# %%
conv_layers = [layer for layer in model.layers if isinstance(layer, keras.layers.Conv2D)]
first_kernel = conv_layers[0].get_weights()[0]  # (F, F, C_in, K) = (3, 3, 1, 32)
print("pesos da primeira convolução:", first_kernel.shape)
show_images(np.moveaxis(first_kernel[:, :, 0, :], -1, 0),
            titles=[f"filtro {k}" for k in range(first_kernel.shape[-1])], ncols=8,
            figsize=(10, 5.5), suptitle="Os 32 filtros 3×3 aprendidos pela primeira convolução");

# %% [markdown]
# Procure entre eles detectores de bordas como os da aula 02: um lado claro e o outro
# escuro, em várias direções. Ninguém os programou; se aparecem, é porque o treino os achou
# úteis para separar um dígito de outro. (No modo rápido, com uma época só, eles ainda
# estão perto dos valores aleatórios do início.)
#
# Agora um dígito do teste atravessando a rede. Os mapas de características da primeira
# convolução ainda parecem o dígito, cada um realçando traços de uma direção; depois do
# *pooling* ficam menores; na segunda convolução, cada mapa combina os 32 anteriores e
# responde a partes maiores do dígito, mais difíceis de reconhecer a olho.

# %%
digit_in = x_test[0]
print("dígito de entrada: rótulo", y_test[0], "| previsto", y_pred[0])
show_feature_maps(model, conv_layers[0], digit_in);

# %%
pool_layers = [layer for layer in model.layers if isinstance(layer, keras.layers.MaxPooling2D)]
show_feature_maps(model, pool_layers[0], digit_in);

# %%
show_feature_maps(model, conv_layers[1], digit_in);

# %% [markdown]
# ## Um dígito de fora do MNIST
#
# O teste de verdade é uma imagem que não veio do MNIST. A pasta `data/` do curso tem um 7
# escrito à caneta num papel. Para a rede, ele precisa ficar **parecido com o MNIST**, e a
# imagem crua está bem longe disso:

# %%
photo = load_sample_image("digito_7.png")
gray = load_sample_image("digito_7.png", gray=True)
print("foto:", photo.shape, photo.dtype, "| cinza:", gray.shape)
print("pixel do canto (papel):", gray[0, 0], "| pixel mais escuro (tinta):", gray.min())
show_images(photo, titles=["a foto"], figsize=(2.5, 2.8));

# %% [markdown]
# Três diferenças: é maior que 28×28, é colorida, e é **tinta escura sobre papel claro**,
# enquanto o MNIST é tinta clara sobre fundo preto. Primeiro, o que acontece se você só
# reduzir a foto e entregá-la à rede, sem mais nada:

# %%
naive = tf.image.resize(gray[..., np.newaxis], (28, 28), antialias=True).numpy() / 255
naive_probs = model.predict(naive[np.newaxis], verbose=0)[0]
print(f"sem inverter: a rede diz {naive_probs.argmax()} com {fmt.pct(naive_probs.max(), 0)} "
      "de confiança")

# %% [markdown]
# Não há por que confiar nessa resposta: para a rede, o papel claro é um enorme borrão de
# "tinta", algo que ela nunca viu. Vamos refazer o caminho que os autores do MNIST fizeram
# com os dígitos originais.
#
# **1. Inverter e limpar o fundo.** $255 - \text{pixel}$ deixa a tinta clara e o papel
# escuro. O papel não é perfeitamente branco, então subtraímos o seu nível (a mediana: a
# maior parte da imagem é papel) para que o fundo vire 0, como no MNIST, e esticamos a
# tinta até 1.

# %%
ink = 255.0 - gray.astype("float32")
ink = np.clip(ink - np.median(ink), 0, None)
ink = ink / ink.max()
print(f"fundo (mediana): {fmt.num(np.median(ink), 2)} | tinta mais forte: {fmt.num(ink.max(), 2)}")

# %% [markdown]
# **2. Recortar, reduzir e centralizar.** No MNIST, cada dígito foi reduzido, sem distorcer,
# até caber numa caixa de `BOX`×`BOX` pixels, e depois posto numa imagem de `SIZE`×`SIZE` com
# o seu centro de massa no meio. Os slides do IFCE falam só em "caixa delimitadora"; o
# detalhe que importa é que a caixa é menor que a imagem, então sobra sempre uma margem de
# fundo em volta do dígito. O centro de massa é a posição média da tinta: a média dos
# índices de linha (e de coluna) pesada pelo brilho de cada pixel. Fazemos o mesmo: recorte
# da tinta, quadrado, redução, margem e, por fim, um deslocamento que leva o centro de massa
# ao meio da imagem.

# %%
BOX, SIZE = 20, 28
print(f"caixa do dígito: {BOX}×{BOX}; imagem: {SIZE}×{SIZE}")
rows = np.flatnonzero(ink.max(axis=1) > 0.2)
cols = np.flatnonzero(ink.max(axis=0) > 0.2)
crop = ink[rows[0]:rows[-1] + 1, cols[0]:cols[-1] + 1]
side = max(crop.shape)
pad_h, pad_w = side - crop.shape[0], side - crop.shape[1]
square = np.pad(crop, ((pad_h // 2, pad_h - pad_h // 2), (pad_w // 2, pad_w - pad_w // 2)))
box = tf.image.resize(square[..., np.newaxis], (BOX, BOX), antialias=True).numpy()[..., 0]
margin = (SIZE - BOX) // 2
mine = np.pad(box, margin)
index = np.arange(SIZE)
center = np.array([mine.sum(axis=1) @ index, mine.sum(axis=0) @ index]) / mine.sum()
mine = np.roll(mine, np.round((SIZE - 1) / 2 - center).astype(int), axis=(0, 1))
mine = np.clip(mine, 0, 1).astype("float32")
print("recorte:", crop.shape, "| caixa:", box.shape, "| final:", mine.shape, mine.dtype)
print("centro de massa (linha, coluna) antes de mover:", np.round(center, 1))

# %% [markdown]
# Lado a lado: a foto reduzida sem cuidado, o nosso 7 preparado e um 7 de verdade do teste.

# %%
mnist_seven = x_test[np.flatnonzero(y_test == 7)[0], :, :, 0]
show_images(np.stack([naive[..., 0], mine, mnist_seven]),
            titles=["só reduzida", "preparada", "um 7 do MNIST"], ncols=3,
            figsize=(6, 2.4));

# %% [markdown]
# Agora a previsão, com as 10 probabilidades:

# %%
mine_probs = model.predict(mine[np.newaxis, :, :, np.newaxis], verbose=0)[0]
print(f"preparada: a rede diz {mine_probs.argmax()} com {fmt.pct(mine_probs.max(), 0)} "
      "de confiança")
fig, ax = plt.subplots(figsize=(6, 2.8), layout="constrained")
ax.bar(MNIST_CLASSES, mine_probs, color="tab:blue")
ax.set_xlabel("dígito")
ax.set_ylabel("probabilidade")
ax.set_ylim(0, 1)
ax.set_title("O que a rede vê no nosso 7 (preparado)");

# %% [markdown]
# Compare a resposta e a confiança das duas células acima. Com poucos exemplos
# de treino (no modo rápido, por exemplo) a rede pode errar mesmo com a imagem bem
# preparada; com mais dados e mais épocas, a imagem preparada tem muito mais chance. A lição
# vale sempre: **uma imagem nova precisa passar pela mesma preparação dos dados de treino**
# (cores, fundo, tamanho, posição, escala). A rede só sabe o que viu.

# %% [markdown]
# ## Salvar e carregar o modelo
#
# Treinar custa tempo; depois de treinado, o modelo vai para um arquivo. O formato atual do
# Keras é `.keras`: um único arquivo com a arquitetura, os pesos e o estado do otimizador
# (o formato antigo `.h5`, que muitos tutoriais ainda usam, é legado no Keras 3). Salvamos
# numa pasta temporária, para não encher o seu diretório de trabalho:

# %%
folder = tempfile.mkdtemp()
path = os.path.join(folder, "mnist_cnn.keras")
model.save(path)
print(f"salvo: {os.path.basename(path)} ({fmt.num(os.path.getsize(path) / 1024, 0)} kB)")

# %%
reloaded = keras.models.load_model(path)
reloaded_probs = reloaded.predict(x_test, verbose=0)
same_probs = np.array_equal(probs, reloaded_probs)
same_accuracy = reloaded.evaluate(x_test, y_test, verbose=0)[1] == test_accuracy
print("mesmas previsões, bit a bit?", "sim" if same_probs else "não")
print("mesma acurácia?", "sim" if same_accuracy else "não")

# %% [markdown]
# O modelo carregado é o mesmo: as mesmas probabilidades, até o último bit. Ele já vem
# compilado, pronto para `evaluate` ou para continuar o treino com `fit`.

# %% [markdown]
# ## O que você aprendeu
#
# - O MNIST vem separado em treino e teste, com imagens `uint8` 28×28 de dígito claro sobre
#   fundo preto; olhe sempre os formatos, as classes e algumas imagens antes de treinar.
# - Preparar é converter para `float32`, dividir por 255 e acrescentar o eixo do canal:
#   `(N, 28, 28)` → `(N, 28, 28, 1)`.
# - O índice avançado do NumPy, `a[linhas, colunas]` com dois arrays de índices, lê ou
#   escreve um elemento por par (linha, coluna): é assim que se monta um *one-hot*.
# - Rótulos inteiros vão com `sparse_categorical_crossentropy`; rótulos *one-hot*
#   (`keras.utils.to_categorical`) com `categorical_crossentropy`. A conta é a mesma.
# - Uma convolução tem $(F \cdot F \cdot C + 1) \cdot K$ parâmetros, poucos porque o filtro
#   é compartilhado; a camada densa costuma ter muitos mais.
# - `compile` (otimizador, perda, métricas), `fit` com `validation_split`, curvas de treino,
#   `evaluate` no teste; a acurácia é a média de `argmax(probs) == rótulo`.
# - A matriz de confusão e a galeria de erros mostram **quais** erros a rede comete.
# - Uma imagem nova precisa da mesma preparação do treino: inverter, recortar, reduzir e
#   centralizar, no caso do MNIST.
# - `model.save("...keras")` e `keras.models.load_model` guardam e devolvem o modelo inteiro.
#
# ## Fontes
#
# - Ana Raquel. *Redes Neurais Convolucionais* (slides, com o DESAFIO Fashion-MNIST). FIAP,
#   Python Journey — Machine & Deep Learning: a matriz de pixels em tons de cinza e a
#   prática "Classificando dígitos escritos à mão".
# - Saulo Oliveira. *08 — Redes Convolucionais*, Aprendizagem Profunda, PPGCC/IFCE, 2023.1
#   (slides): o MNIST (60.000 imagens de treino e 10.000 de teste), o campo receptivo
#   local, o compartilhamento de parâmetros, a fórmula de $W_2$ e a softmax (com a caixa de
#   20×20 pixels, que os slides resumem demais).
# - *Camadas convolucionais e Dropout* (tópico opcional de uma disciplina universitária): a
#   analogia do time de futebol para o *dropout*.
# - F. Chollet. *Simple MNIST convnet*, exemplo da documentação do Keras
#   (keras.io/examples/vision/mnist_convnet): a rede desta aula. O exemplo relata cerca de
#   99 % de acurácia no teste com o MNIST completo; o curso não repetiu essa medida. A
#   acurácia que você vê acima é a da sua execução, com os dados e as épocas que ela usou.
# - Y. LeCun, C. Cortes e C. J. C. Burges. *The MNIST database of handwritten digits*.
#
# Os termos desta aula (rótulo, acurácia, matriz de confusão, sobreajuste, ...) estão no
# [glossário do curso](https://github.com/cnn-curso-ptbr/curso-cnn/blob/main/docs/glossario.md).
#
# ## O que ler a seguir
#
# Na aula 07 vem o **desafio** dos slides da FIAP: o mesmo `build_mnist_cnn` no
# Fashion-MNIST, roupas em vez de dígitos, variando épocas, tamanho do lote, número de
# filtros e ativação.
