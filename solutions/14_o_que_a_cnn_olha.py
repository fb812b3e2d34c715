# %% [markdown]
# # 14 · O que a CNN olha
#
# Até aqui você treinou redes e mediu quanto elas acertam. Falta perguntar **por quê**: em que
# parte da imagem a rede se baseou para decidir? Uma rede pode acertar pelo motivo errado,
# olhando o fundo, uma marca d'água ou a etiqueta de um hospital, e a acurácia não mostra
# isso. Nesta aula você abre a rede por dentro e desenha mapas de onde ela olha. E, ao
# contrário da maioria dos tutoriais, vamos **medir** se esses mapas estão certos, em dados
# em que sabemos a resposta.
#
# Você vai aprender a:
#
# - ver os filtros da primeira camada e os mapas de características de uma imagem, camada a
#   camada;
# - escrever a **oclusão** à mão: cobrir um pedaço da imagem e ver quanto a rede perde;
# - calcular mapas de **saliência** (o gradiente em relação aos pixels) e de **Grad-CAM**, e
#   entender a equação do Grad-CAM;
# - testar se um mapa está certo com o **jogo de apontar** e com o **teste de sanidade** de
#   pesos aleatórios, camada por camada;
# - julgar mapas de erros (a rede olhou o objeto ou o fundo?), no CIFAR-10 e em dados com a
#   resposta conhecida, e perguntar onde um modelo de radiografias olha.

# %%
import time

import keras
import matplotlib.pyplot as plt
import numpy as np

from course_utils import config, explain, fmt, xray
from course_utils.checks import ____
from course_utils.datasets import (
    CHEST_XRAY_CLASSES,
    CIFAR10_CLASSES,
    FASHION_CLASSES,
    load_chest_xray,
    load_cifar10,
    load_fashion_mnist,
)
from course_utils.exercises import lesson08, lesson12, lesson14
from course_utils.exercises.lesson14 import CANVAS, NOISE, PATCH, SMOOTH_SAMPLES, STRIDE
from course_utils.exercises.lesson14 import ex1, ex2, ex3
from course_utils.lessons import SEED
from course_utils.models import build_mnist_cnn, build_vgg_style
from course_utils.plots import overlay, show_feature_maps, show_images

config.set_seed(SEED)
print(config.fast_mode_line())

# %% [markdown]
# ## A rede das aulas 06 e 07
#
# Começamos pela rede que você já conhece: `build_mnist_cnn`, a CNN do MNIST, treinada aqui
# no Fashion-MNIST (o desafio da aula 07). São poucas épocas, o suficiente para os filtros
# deixarem de ser aleatórios; no modo rápido, uma só.

# %%
(x_train_raw, y_train), (x_test_raw, y_test) = load_fashion_mnist()
x_train = (x_train_raw.astype("float32") / 255)[..., np.newaxis]
x_test = (x_test_raw.astype("float32") / 255)[..., np.newaxis]

config.set_seed(SEED)
fashion_model = build_mnist_cnn()
fashion_model.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
                      metrics=["accuracy"])
start = time.perf_counter()
fashion_model.fit(x_train, y_train, epochs=config.epochs(5, 1), batch_size=128, verbose=0)
_, fashion_accuracy = fashion_model.evaluate(x_test, y_test, verbose=0)
print(f"treino: {fmt.num(time.perf_counter() - start, 1)} s | acurácia no teste: "
      f"{fmt.pct(fashion_accuracy)}")

# %% [markdown]
# ### Os filtros da primeira camada
#
# A primeira convolução tem 32 filtros 3×3, cada um olhando um só canal (a imagem é cinza).
# Os pesos de um filtro formam uma imagenzinha: claro onde o peso é positivo, escuro onde é
# negativo. Um filtro com uma coluna clara ao lado de uma escura responde a bordas verticais.

# %%
first_conv = next(layer for layer in fashion_model.layers
                  if isinstance(layer, keras.layers.Conv2D))
kernels = first_conv.get_weights()[0]  # (3, 3, 1, 32)
print("formato dos pesos:", kernels.shape)
show_images(np.moveaxis(kernels[:, :, 0, :], -1, 0), titles=[f"filtro {k}" for k in range(32)],
            ncols=8, suptitle="Os 32 filtros da primeira convolução");

# %% [markdown]
# Filtros 3×3 são pequenos demais para mostrar formas: o que eles detectam são contrastes
# locais, bordas em várias direções, pontos claros e escuros. Cada imagem de filtro é esticada
# do seu menor ao seu maior peso, então compare padrões, não brilhos.
#
# ### Os mapas de características, camada a camada
#
# O que esses filtros fazem com uma imagem? `show_feature_maps` passa uma peça de roupa pela
# rede e mostra a saída de uma camada: um mapa de características por filtro.

# %%
item = x_test[0]
show_images(item[..., 0], titles=[f"teste 0: {FASHION_CLASSES[y_test[0]]}"], figsize=(2.2, 2.4));

# %%
conv_layers = [layer for layer in fashion_model.layers if isinstance(layer, keras.layers.Conv2D)]
show_feature_maps(fashion_model, conv_layers[0], item, max_maps=16);

# %%
show_feature_maps(fashion_model, conv_layers[1], item, max_maps=16);

# %% [markdown]
# Na primeira camada os mapas ainda parecem a peça: cada um realça as bordas de uma direção,
# o contorno, as áreas lisas. Na segunda, depois do primeiro *pooling*, os mapas têm metade
# da resolução e cada posição vê um pedaço maior da imagem (o seu campo receptivo cresceu);
# eles respondem a combinações de bordas, e fica mais difícil dizer "o que" cada um vê. Quanto
# mais funda a camada, mais abstrato o mapa e mais perto da decisão.
#
# Olhar mapas, porém, não diz **qual parte da imagem decidiu a classe**. Para isso há três
# ideias, da mais simples à mais usada: cobrir partes da imagem (oclusão), derivar a saída em
# relação aos pixels (saliência) e pesar os mapas de uma camada pelo gradiente (Grad-CAM).

# %% [markdown]
# ## Oclusão: cobrir e ver o que muda
#
# A ideia de Zeiler e Fergus (2014) não usa nenhum gradiente: cubra um pedaço da imagem com
# uma janela cinza e veja quanto a probabilidade da classe cai. Se cobrir a gola de uma camisa
# derruba a probabilidade de "camisa", a gola importava. Deslizando a janela por toda a imagem,
# como um filtro de convolução, cada pixel ganha um número: a queda média das janelas que o
# cobriram.
#
# ### Exercício 1 · Oclusão à mão
#
# Complete `occlusion(model, image, class_index, patch, stride)` para **uma** imagem
# `(H, W, C)`:
#
# 1. calcule a probabilidade da classe `class_index` na imagem original;
# 2. para cada canto $(i, j)$ com $i$ em `range(0, H, stride)` e $j$ em `range(0, W, stride)`,
#    cubra a janela `patch` × `patch` de uma **cópia** da imagem com a média da imagem (um
#    cinza neutro) e meça a queda $p_\text{original} - p_\text{coberta}$;
# 3. devolva um mapa `(H, W)`: em cada pixel, a média das quedas das janelas que o cobriram.
#
# O `check` compara com `explain.occlusion_map` numa rede pequena.


# %%
def occlusion(model, image, class_index, patch, stride):
    """Mapa (H, W) da queda média da probabilidade da classe quando uma janela cobre o pixel."""
    # BEGIN SOLUTION ex1
    height, width = image.shape[:2]
    corners = [(i, j) for i in range(0, height, stride) for j in range(0, width, stride)]
    covered = []
    for i, j in corners:
        copy = image.copy()
        copy[i:i + patch, j:j + patch] = image.mean()
        covered.append(copy)
    original = model.predict(image[np.newaxis], verbose=0)[0, class_index]
    probabilities = model.predict(np.stack(covered), verbose=0)[:, class_index]
    heat = np.zeros((height, width))
    count = np.zeros((height, width))
    for (i, j), p in zip(corners, probabilities):
        heat[i:i + patch, j:j + patch] += original - p
        count[i:i + patch, j:j + patch] += 1
    return heat / count
    # END SOLUTION


ex1.check(occlusion)

# %%
# ex1.hint()
# ex1.solution()

# %% [markdown]
# Daqui em diante usamos `explain.occlusion_map`, que faz a mesma conta. Seis peças do teste,
# com o mapa de oclusão pintado por cima como um **mapa de calor** (*heatmap*), um valor por
# pixel em cores (`overlay`: vermelho onde cobrir derruba mais a probabilidade; onde o mapa é
# zero, a imagem aparece sem cor):

# %%
examples = x_test[:6]
fashion_pred = fashion_model.predict(examples, verbose=0).argmax(axis=1)
titles = [f"{FASHION_CLASSES[c]}" for c in fashion_pred]
occlusion_maps = np.stack([explain.occlusion_map(fashion_model, image, patch=8, stride=4)
                           for image in examples])
show_images(np.stack([overlay(x, m) for x, m in zip(examples, occlusion_maps)]), titles=titles,
            ncols=6, suptitle="Oclusão: onde cobrir derruba a classe prevista");

# %% [markdown]
# ## Saliência: o gradiente em relação aos pixels
#
# A oclusão chama a rede uma vez por posição da janela: é lenta. Simonyan, Vedaldi e
# Zisserman (2014) perguntam a mesma coisa com uma derivada: se eu mudar um pouquinho este
# pixel, quanto muda a nota da classe? Essa nota é o *logit* da classe $y^c$, a saída da última
# camada **antes** da softmax; a derivada $\partial y^c / \partial x$ tem um elemento por
# pixel, e o mapa de saliência é o seu valor absoluto. Um só passo para trás pela rede, o mesmo da
# retropropagação do treino.
#
# O gradiente de um pixel só é muito ruidoso. O *SmoothGrad* (Smilkov e colegas, 2017) tira a
# média dos gradientes de várias cópias da imagem com um pouco de ruído: o que é de verdade
# sobrevive à média, o ruído se cancela.

# %%
saliency_maps = explain.saliency(fashion_model, examples)
smooth_maps = explain.saliency(fashion_model, examples, smooth_samples=SMOOTH_SAMPLES)
show_images(np.concatenate([saliency_maps, smooth_maps]),
            titles=[f"saliência\n{t}" for t in titles] + [f"SmoothGrad\n{t}" for t in titles],
            ncols=6, cmap="hot", suptitle="Saliência e SmoothGrad");

# %% [markdown]
# ## Grad-CAM
#
# O Grad-CAM (Selvaraju e colegas, 2017) olha uma camada convolucional, em geral a última.
# Ela tem $K$ mapas de características $A^1, \dots, A^K$, pequenos mas cheios de significado.
# A receita, em duas frases:
#
# 1. **Quanto cada mapa importa para a classe $c$?** Derive o *logit* $y^c$ em relação a cada
#    posição do mapa $A^k$ e tire a média de todas as posições: esse é o peso
#    $\alpha_k^c = \frac{1}{Z} \sum_{i}\sum_{j} \frac{\partial y^c}{\partial A^k_{ij}}$ ($Z$ é
#    o número de posições).
# 2. **Some os mapas pesados** e fique só com a parte positiva (a evidência **a favor** da
#    classe): $L^c = \mathrm{ReLU}\left(\sum_k \alpha_k^c A^k\right)$.
#
# O mapa $L^c$ tem a resolução da camada (7×7, 11×11...) e é ampliado até o tamanho da imagem
# para ser desenhado por cima dela.
#
# ### Exercício 2 · A combinação do Grad-CAM
#
# Complete `combine(activations, gradients)`: recebe os mapas de uma imagem, `activations`
# de formato `(h, w, K)`, e os gradientes $\partial y^c / \partial A$ do mesmo formato, e
# devolve o mapa $L^c$ de formato `(h, w)`, ainda sem ampliar nem normalizar.


# %%
def combine(activations, gradients):
    """ReLU(Σ_k α_k A^k), com α_k a média espacial dos gradientes do canal k."""
    # BEGIN SOLUTION ex2
    alphas = gradients.mean(axis=(0, 1))
    return np.maximum((activations * alphas).sum(axis=-1), 0)
    # END SOLUTION


ex2.check(combine)

# %%
# ex2.hint()
# ex2.solution()

# %% [markdown]
# `explain.grad_cam` faz o caminho todo: acha a última convolução, calcula os gradientes com o
# TensorFlow, combina (com `explain.cam_from_gradients`, a mesma conta do exercício), amplia e
# divide cada mapa pelo seu máximo, para ficar entre 0 e 1. Os três métodos lado a lado:

# %%
cam_maps = explain.grad_cam(fashion_model, examples)
print("Grad-CAM:", cam_maps.shape, f"valores de {fmt.num(cam_maps.min(), 1)} a "
      f"{fmt.num(cam_maps.max(), 1)}")
rows = [occlusion_maps, smooth_maps, cam_maps]
show_images(np.stack([overlay(x, m) for maps in rows for x, m in zip(examples, maps)]),
            titles=[f"{name}\n{t}" for name in ("oclusão", "SmoothGrad", "Grad-CAM")
                    for t in titles],
            ncols=6, suptitle="Três mapas para as mesmas previsões");

# %% [markdown]
# Os mapas se parecem? Em peças de roupa centralizadas, num fundo preto, todos tendem a cobrir
# a peça inteira, e é difícil dizer qual está certo. Precisamos de um teste em que a resposta
# seja conhecida.

# %% [markdown]
# ## O mapa está certo? O jogo de apontar
#
# Um mapa bonito não prova nada: ele pode ter a forma da peça só porque a peça é a parte
# clara da imagem. O **jogo de apontar** (*pointing game*) é um teste objetivo: numa imagem em
# que sabemos onde está o objeto, o ponto mais quente do mapa cai dentro da caixa do objeto?
#
# Montamos esses dados: cada peça do Fashion-MNIST (28×28) é colada num lugar sorteado de uma
# tela maior, cheia de ruído. `explain.paste_on_canvas` devolve as telas e a caixa de cada
# peça: `(topo, esquerda, baixo, direita)`, com `topo` e `esquerda` incluídos e `baixo` e
# `direita` exclusivos, como numa fatia `tela[topo:baixo, esquerda:direita]`.

# %%
settings = lesson14.pointing_settings()
n_train = settings["train"]
canvases, _ = explain.paste_on_canvas(x_train_raw[:n_train], CANVAS, NOISE, seed=SEED)
test_canvases, boxes = explain.paste_on_canvas(x_test_raw, CANVAS, NOISE, seed=SEED + 1)
print(f"{fmt.num(len(canvases))} telas de treino e {fmt.num(len(test_canvases))} de teste, "
      f"{CANVAS}×{CANVAS}")
chance = explain.box_area_fraction(boxes, CANVAS).mean()
print(f"a caixa ocupa em média {fmt.pct(chance)} da tela: é quanto acertaria um ponto sorteado")

# %%
fig = show_images(test_canvases[:6], titles=[FASHION_CLASSES[c] for c in y_test[:6]], ncols=6,
                  suptitle="Peças coladas em telas com ruído, com a caixa de cada uma")
for ax, (top, left, bottom, right) in zip(fig.axes, boxes[:6]):
    ax.add_patch(plt.Rectangle((left - 0.5, top - 0.5), right - left, bottom - top,
                               fill=False, edgecolor="lime", linewidth=1.5))

# %% [markdown]
# Treinamos uma rede no estilo VGG (a `build_vgg_style` da aula 08), que termina em
# `GlobalAveragePooling2D`: ela precisa achar a peça onde quer que esteja.

# %%
start = time.perf_counter()
pointing_model = lesson14.train_pointing_model(canvases, y_train[:n_train],
                                               settings["filters"], settings["epochs"])
predicted = pointing_model.predict(test_canvases, verbose=0).argmax(axis=1)
right = np.flatnonzero(predicted == y_test)
print(f"treino: {fmt.num(time.perf_counter() - start, 0)} s, {settings['epochs']} época(s) | "
      f"acurácia nas telas de teste: {fmt.pct(len(right) / len(y_test))}")

# %% [markdown]
# O jogo só vale para as imagens que a rede **acertou**: num erro, a evidência que a rede achou
# para a classe errada pode mesmo estar fora da peça, e isso não seria falha do mapa (os erros
# ficam para o exercício 4). Calculamos os três mapas para parte delas (a oclusão, que chama a
# rede uma vez por janela, para menos imagens):

# %%
chosen = right[:settings["mapped"]]
x_game, box_game, class_game = test_canvases[chosen], boxes[chosen], predicted[chosen]
n_occluded = settings["occluded"]
game_maps, seconds = {}, {}
for name, method in [
    ("Grad-CAM", lambda x, c: explain.grad_cam(pointing_model, x, c)),
    ("saliência", lambda x, c: explain.saliency(pointing_model, x, c)),
    ("oclusão", lambda x, c: np.stack([
        explain.occlusion_map(pointing_model, image, int(k), patch=PATCH, stride=STRIDE)
        for image, k in zip(x[:n_occluded], c[:n_occluded])])),
]:
    start = time.perf_counter()
    game_maps[name] = method(x_game, class_game)
    seconds[name] = (time.perf_counter() - start) / len(game_maps[name])
    print(f"{name:>10}: {len(game_maps[name])} mapas, {fmt.num(1000 * seconds[name], 1)} ms "
          "por imagem")

# %% [markdown]
# ### Exercício 3 · A taxa de acerto do jogo
#
# Complete `hit_rate(heatmaps, boxes)`: `heatmaps` tem formato `(N, H, W)` e `boxes`,
# `(N, 4)`. Para cada mapa, ache a linha e a coluna do seu maior valor; é um acerto quando
# `topo <= linha < baixo` e `esquerda <= coluna < direita`. Devolva a fração de acertos.


# %%
def hit_rate(heatmaps, boxes):
    """Fração dos mapas cujo máximo cai dentro da caixa (topo, esquerda, baixo, direita)."""
    # BEGIN SOLUTION ex3
    hits = []
    for heatmap, (top, left, bottom, right) in zip(heatmaps, boxes):
        row, col = np.unravel_index(np.argmax(heatmap), heatmap.shape)
        hits.append(top <= row < bottom and left <= col < right)
    return np.mean(hits)
    # END SOLUTION


ex3.check(hit_rate)

# %%
# ex3.hint()
# ex3.solution()

# %% [markdown]
# O placar, com `explain.pointing_hits` (a mesma conta, um acerto por mapa):

# %%
for name, maps in game_maps.items():
    hits = explain.pointing_hits(maps, box_game[:len(maps)])
    print(f"{name:>10}: {fmt.pct(hits.mean())} de acertos em {len(maps)} imagens")
print(f"{'acaso':>10}: {fmt.pct(chance)}")

# %% [markdown]
# Compare cada método com o acaso. No modo rápido a rede treinou pouco e os números oscilam.
# Os autores do curso rodaram o jogo no modo completo (6.000 telas de treino, 5 épocas, 300
# telas de teste acertadas, 50 para a oclusão) num computador de 2 núcleos; o resultado:

# %%
for name, rate in lesson14.FULL_MODE_RESULTS.items():
    print(f"{name:>10}: {fmt.pct(rate)}")

# %% [markdown]
# Com o treino completo, o Grad-CAM aponta para a peça em quase todas as imagens. A saliência
# sofre com o ruído da tela: o gradiente de pixels isolados do fundo pode ser grande, e basta
# um pixel para roubar o máximo. Veja alguns mapas, com a caixa verdadeira:

# %%
shown = min(6, len(x_game))
fig = show_images(np.stack([overlay(x_game[k], game_maps["Grad-CAM"][k]) for k in range(shown)]),
                  titles=[FASHION_CLASSES[c] for c in class_game[:shown]], ncols=6,
                  suptitle="Grad-CAM nas telas de teste")
for ax, (top, left, bottom, right), (row, col) in zip(
        fig.axes, box_game[:shown], explain.peaks(game_maps["Grad-CAM"][:shown])):
    ax.add_patch(plt.Rectangle((left - 0.5, top - 0.5), right - left, bottom - top,
                               fill=False, edgecolor="lime", linewidth=1.5))
    ax.plot(col, row, "w+", markersize=10, markeredgewidth=2)

# %% [markdown]
# ### Exercício 4 · Objeto ou fundo?
#
# Agora os **erros**. Quando a rede erra a classe de uma tela, o Grad-CAM da classe prevista
# mostra onde ela achou evidência para a resposta errada. Há dois tipos de erro: a rede olhou a
# peça e confundiu classes parecidas (uma camisa com uma camiseta), ou olhou o ruído em volta
# e decidiu por algo que não é a peça. Nestas telas sabemos onde está a peça (a caixa verde),
# então dá para conferir o seu julgamento.
#
# A célula mostra o Grad-CAM de alguns erros. Olhe cada um e responda, na ordem das imagens,
# com uma lista como `["objeto", "fundo", ...]`: a maior parte da cor do mapa está na peça
# (`"objeto"`) ou fora dela (`"fundo"`)?

# %%
errors = np.flatnonzero(predicted != y_test)[:settings["mapped"]]
error_maps = explain.grad_cam(pointing_model, test_canvases[errors], predicted[errors])
pick = lesson14.judged_maps(error_maps, boxes[errors])
judged, judged_heat = errors[pick], error_maps[pick]
fig = show_images(np.stack([overlay(test_canvases[k], m) for k, m in zip(judged, judged_heat)]),
                  titles=[f"imagem {n + 1}: previu {FASHION_CLASSES[predicted[k]]}\n"
                          f"(era {FASHION_CLASSES[y_test[k]]})" for n, k in enumerate(judged)],
                  ncols=len(judged), suptitle="Grad-CAM de erros: objeto ou fundo?")
for ax, (top, left, bottom, right) in zip(fig.axes, boxes[judged]):
    ax.add_patch(plt.Rectangle((left - 0.5, top - 0.5), right - left, bottom - top,
                               fill=False, edgecolor="lime", linewidth=1.5))
ex4 = lesson14.object_or_background_exercise(judged_heat, boxes[judged])

# %%
# BEGIN SOLUTION ex4
# o que o olho faz, em código: a fração do mapa dentro da caixa passa da metade?
shares = explain.mass_in_boxes(judged_heat, boxes[judged])
answers = ["objeto" if share >= 0.5 else "fundo" for share in shares]
# END SOLUTION
ex4.check(answers)

# %%
# ex4.hint()
# ex4.solution()

# %% [markdown]
# ### O teste de sanidade: pesos aleatórios, camada por camada
#
# Adebayo e colegas (2018) acharam métodos de explicação cujos mapas quase não mudam quando
# os pesos da rede são **sorteados de novo**: eles mostravam as bordas da imagem, não o que a
# rede aprendeu. O teste mais informativo do artigo é a **randomização em cascata**: sorteie
# de novo os pesos da última camada; depois os da penúltima também; e assim por diante, de
# cima (a saída) para baixo (a entrada), medindo a cada passo quanto o mapa ainda se parece
# com o da rede treinada. Um método que explica a rede muda de mapa logo nas primeiras
# camadas sorteadas; um que só mostra as bordas da imagem continua parecido até o fim.
#
# No artigo, o gradiente (a saliência) e o Grad-CAM passaram. Os que falharam foram o
# **Guided Backprop** e o **Guided Grad-CAM** (o Grad-CAM multiplicado pelo Guided Backprop,
# que as bibliotecas de interpretação oferecem com esse nome): os mapas deles quase não mudaram
# com a rede sorteada, e são bonitos porque parecem as bordas da própria imagem. Antes de usar
# um método de uma biblioteca, procure se ele passa neste teste. (O artigo tem um segundo
# teste, que não fazemos aqui: treinar a rede com rótulos embaralhados.)
#
# "Parecido" é medido pela correlação de postos de Spearman entre os dois mapas de cada
# imagem: 1 se a ordem dos pixels, do mais quente ao mais frio, é a mesma; perto de 0 se não
# tem relação. `explain.cascading_randomization` devolve a rede sorteada até cada camada
# (uma convolução é sorteada junto com a sua normalização em lote). Um cuidado: a semente do
# sorteio tem de ser outra que a do treino. Com a mesma semente, o Keras sortearia de novo
# exatamente os pesos **iniciais** do treino, e o teste compararia a rede com o seu próprio
# ponto de partida, não com uma rede aleatória qualquer.

# %%
n_cascade = settings["cascade"]
x_cascade, class_cascade = x_game[:n_cascade], class_game[:n_cascade]
methods = {"Grad-CAM": explain.grad_cam, "saliência": explain.saliency}
steps, correlations, flat, last = ["nenhuma"], {name: [1.0] for name in methods}, {}, {}
for layer_name, randomized in explain.cascading_randomization(pointing_model, seed=SEED + 1):
    steps.append(layer_name)
    for name, method in methods.items():
        random_maps = last[name] = method(randomized, x_cascade, class_cascade)
        correlation = explain.rank_correlation(game_maps[name][:n_cascade], random_maps)
        flat[name] = int(np.isnan(correlation).sum())  # mapas planos: sem ordem, sem correlação
        correlations[name].append(float(np.nan_to_num(correlation, nan=0.0).mean()))
random_cam = last["Grad-CAM"]  # os mapas da rede toda sorteada
fig, ax = plt.subplots(figsize=(7, 3.5), layout="constrained")
for name, values in correlations.items():
    ax.plot(steps, values, marker="o", label=name)
ax.axhline(0, color="gray", linewidth=1)
ax.set_xlabel("camadas sorteadas, de cima para baixo (cada ponto soma mais uma)")
ax.set_ylabel("correlação de Spearman média")
ax.yaxis.set_major_formatter(fmt.tick_formatter(1))
ax.tick_params(axis="x", labelrotation=30)
ax.set_title(f"Randomização em cascata ({len(x_cascade)} telas)")
ax.legend();
for name in methods:
    print(f"{name:>10}, rede toda sorteada: correlação média {fmt.num(correlations[name][-1], 2)}"
          f" ({flat[name]} mapa(s) plano(s) contados como 0)")

# %% [markdown]
# Alguns mapas da rede sorteada podem sair **planos**, todos zero: no Grad-CAM, nenhum canal
# ficou com peso positivo e a ReLU zerou tudo. Um mapa plano não tem ordem de pixels, e a
# correlação de Spearman não existe para ele (o NumPy dá `nan`). Jogá-lo fora da média seria
# jogar fora justamente os mapas mais diferentes do mapa treinado, e a média subiria; aqui
# cada um conta como 0, "sem relação", e a célula diz quantos foram.

# %%
pairs = [(x_cascade[k], m) for k in range(min(4, len(x_cascade)))
         for m in (game_maps["Grad-CAM"][k], random_cam[k])]
show_images(np.stack([overlay(x, m) for x, m in pairs]),
            titles=["treinada", "pesos aleatórios"] * (len(pairs) // 2), ncols=8,
            suptitle="Grad-CAM: a rede treinada e a mesma rede com todos os pesos sorteados");

# %% [markdown]
# Uma correlação que cai logo que a primeira camada é sorteada é o que queremos: o mapa
# depende do que a rede aprendeu. Um mapa que passasse igual por todas as etapas seria um
# detector de bordas bonito, não uma explicação.

# %% [markdown]
# ## CIFAR-10: acertos e erros lado a lado
#
# Agora uma rede de fotos coloridas: o modelo VGG da aula 08 (`build_vgg_style`, com os filtros
# daquela aula), treinado aqui por poucas épocas. Mapas de erros são os mais instrutivos: a
# rede olhou para o objeto e confundiu a classe, ou olhou para o fundo?

# %%
(c_train, cy_train), (c_test, cy_test) = load_cifar10()
c_train, c_test = c_train.astype("float32") / 255, c_test.astype("float32") / 255
config.set_seed(SEED)
cifar_model = build_vgg_style(
    filters=lesson08.VGG_FILTERS_FAST if config.FAST else lesson08.VGG_FILTERS)
cifar_model.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
                    metrics=["accuracy"])
cifar_model.fit(c_train, cy_train, epochs=config.epochs(10, 1), batch_size=64, verbose=0)
c_pred = cifar_model.predict(c_test, verbose=0).argmax(axis=1)
print(f"acurácia no teste: {fmt.pct(np.mean(c_pred == cy_test))}")

# %%
c_right = np.flatnonzero(c_pred == cy_test)[:4]
c_wrong = np.flatnonzero(c_pred != cy_test)[:4]
c_index = np.concatenate([c_right, c_wrong])
c_maps = explain.grad_cam(cifar_model, c_test[c_index])
c_titles = [f"{'certo' if cy_test[k] == c_pred[k] else 'errado'}: {CIFAR10_CLASSES[c_pred[k]]}"
            f"\n(era {CIFAR10_CLASSES[cy_test[k]]})" for k in c_index]
show_images(np.stack([image for k, m in zip(c_index, c_maps)
                      for image in (c_test[k], overlay(c_test[k], m))]),
            titles=[t for t in c_titles for _ in (0, 1)], ncols=8,
            suptitle="CIFAR-10: a foto e o Grad-CAM da classe prevista");

# %% [markdown]
# Para cada erro, faça a pergunta do exercício 4: o mapa cobre o objeto (e a confusão é entre
# classes parecidas, como gato e cachorro) ou cobre o fundo, o céu ou a água, que combinam com
# "avião" e "navio"? Aqui não há caixa para conferir: o julgamento é seu. No modo rápido a rede treinou uma época só e os mapas dizem pouco; rode a aula
# completa para ver erros de uma rede treinada. Imagens 32×32 são pequenas, e a última
# convolução do modelo tem uma resolução ainda menor: os mapas são borrões, não contornos.

# %% [markdown]
# ## Radiografias: pulmão ou bordas?
#
# Na aula 12 você mediu a AUC da rede de radiografias no teste. Mas **onde** ela olha? Zech
# e colegas (2018, *PLOS Medicine*) treinaram CNNs para achar pneumonia em radiografias de
# **adultos** de três sistemas de saúde dos Estados Unidos (NIH, Mount Sinai e Indiana) e
# mostraram que elas aprendiam a reconhecer o **hospital**: marcadores metálicos, letras nas
# bordas, o tipo de aparelho. Como a proporção de doentes mudava de hospital para hospital,
# reconhecer o hospital já ajudava a acertar. Testadas em radiografias de um hospital que não
# estava no treino, as redes foram significativamente piores em 3 das 5 comparações do artigo.
# É o **aprendizado por atalho** (*shortcut learning*): a rede acha o caminho mais fácil nos
# dados, que nem sempre é o que queremos. O estudo não usou as radiografias infantis da aula
# 12, mas mostra por que o quadro daquela aula pede validação em outro hospital.
#
# Treinamos o modelo da aula 12 (`xray.build_xray_model`, com o tamanho de imagem daquela
# aula), por poucas épocas, e medimos quanto do Grad-CAM cai numa moldura na borda da imagem,
# onde ficam letras e marcadores, e não nos pulmões.

# %%
image_size = lesson12.image_size()


def as_arrays(dataset):
    """(imagens uint8 (N, h, w, 1), rótulos (N,)) de um tf.data.Dataset de radiografias."""
    pairs = [(image, label) for image, label in dataset.as_numpy_iterator()]
    return (np.stack([image for image, _ in pairs]).round().astype("uint8"),
            np.array([label for _, label in pairs]))


xr_train, xr_y_train = as_arrays(load_chest_xray("train", image_size=image_size))
xr_test, xr_y_test = as_arrays(load_chest_xray("test", image_size=image_size))
config.set_seed(SEED)
xray_model = xray.build_xray_model(image_size)
xray_model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
xray_model.fit(xr_train, xr_y_train, epochs=config.epochs(10, 1), batch_size=32, verbose=0)
xr_prob = xray_model.predict(xr_test, verbose=0)[:, 0]
print(f"{fmt.num(len(xr_train))} radiografias de treino, {fmt.num(len(xr_test))} de teste, "
      f"{image_size[0]}×{image_size[1]} | acurácia no teste: "
      f"{fmt.pct(np.mean((xr_prob > lesson12.THRESHOLD) == xr_y_test))}")

# %%
xr_maps = explain.grad_cam(xray_model, xr_test.astype("float32"))
margin = max(1, image_size[0] // 8)
frame = np.ones(image_size, dtype=bool)
frame[margin:-margin, margin:-margin] = False
border_share = xr_maps[:, frame].sum(axis=1) / np.maximum(xr_maps.sum(axis=(1, 2)), 1e-12)
print(f"moldura de {margin} pixels: {fmt.pct(frame.mean(), 0)} da área da imagem")
print(f"parte do Grad-CAM na moldura: mediana {fmt.pct(np.median(border_share), 0)}; em "
      f"{fmt.pct(np.mean(border_share > frame.mean()), 0)} das radiografias ela excede a fração "
      "da área ocupada pela moldura")

# %%
xr_shown = np.arange(min(6, len(xr_test)))
show_images(np.stack([overlay(xr_test[k], xr_maps[k]) for k in xr_shown]),
            titles=[f"real: {CHEST_XRAY_CLASSES[xr_y_test[k]]}\nprob. pneumonia "
                    f"{fmt.num(xr_prob[k], 2)}"
                    for k in xr_shown], ncols=6,
            suptitle="Grad-CAM (classe prevista) em radiografias de teste");

# %% [markdown]
# Como ler esses números: se a parte do mapa na moldura for muito maior do que a parte da
# área que a moldura ocupa, a rede está olhando as bordas, e a AUC da aula 12 pode estar
# medindo em parte um atalho. Dois cuidados. Sem internet (e nos testes do curso), estas
# radiografias vêm de uma cópia reduzida do conjunto, a PneumoniaMNIST: imagens de 28×28
# pixels ampliadas, onde letras e marcadores quase somem; nas imagens originais, em tamanho
# cheio, o risco de atalho é maior. A primeira linha impressa pela célula das radiografias
# diz o tamanho que esta execução usou. E a última convolução deste modelo tem poucos
# pixels de lado, então o mapa é grosso. Nenhum mapa prova que a rede está certa; o que ele
# faz é apontar onde desconfiar, e o teste de verdade é medir a rede em dados de **outro**
# hospital.

# %% [markdown]
# ## O que você aprendeu
#
# - Os filtros da primeira camada detectam contrastes locais; os mapas de características
#   ficam mais abstratos (e menores) a cada camada.
# - **Oclusão**: cubra uma janela, meça a queda da probabilidade; simples, sem gradiente,
#   mas uma chamada da rede por posição.
# - **Saliência**: $|\partial y^c / \partial x|$, um passo para trás; ruidosa, e o SmoothGrad
#   tira a média sobre cópias com ruído.
# - **Grad-CAM**: $L^c = \mathrm{ReLU}(\sum_k \alpha_k^c A^k)$, com $\alpha_k^c$ a média
#   espacial de $\partial y^c / \partial A^k$ numa camada convolucional; rápido e na
#   resolução dessa camada.
# - Um mapa se testa: no **jogo de apontar**, em dados com a resposta conhecida, e no **teste
#   de sanidade** de pesos aleatórios, em cascata da saída para a entrada, em que um bom
#   método muda de mapa; Guided Backprop e Guided Grad-CAM falham nele.
# - Um mapa plano (todo zero) não entra calado numa média: conte-o e diga o que ele significa.
# - Num erro, o mapa ajuda a separar a confusão entre classes parecidas (a rede olhou o
#   objeto) do erro de fundo (a rede olhou outra coisa).
# - Uma rede pode acertar por atalhos (o fundo, o hospital); mapas ajudam a desconfiar, e só
#   dados de outra fonte confirmam.
#
# ## Fontes
#
# - Ana Raquel. *Deep & Reinforcement Learning — Aula 02: Redes Neurais Convolucionais*.
#   FIAP POSTECH, Data Analytics: filtros e mapas de características (mapas de ativação).
# - Ana Raquel. *Redes Neurais Convolucionais* (slides, com o DESAFIO Fashion-MNIST). FIAP,
#   Python Journey — Machine & Deep Learning: a rede do MNIST reaproveitada no Fashion-MNIST.
# - Jefferson Korte Junior. *Relatório — Card 16: Prática: Redes Neurais Convolucionais 2
#   (Deep Learning)*. Bootcamp LAMIA: o modelo de CIFAR-10 e as imagens classificadas errado.
# - *Camadas convolucionais e Dropout* (tópico opcional de uma disciplina universitária), com
#   o exemplo do Keras "Pneumonia Classification on TPU"
#   (keras.io/examples/vision/xray_classification_with_tpus): o modelo de radiografias.
# - R. R. Selvaraju, M. Cogswell, A. Das, R. Vedantam, D. Parikh e D. Batra. *Grad-CAM: Visual
#   Explanations from Deep Networks via Gradient-based Localization*. ICCV, 2017.
# - K. Simonyan, A. Vedaldi e A. Zisserman. *Deep Inside Convolutional Networks: Visualising
#   Image Classification Models and Saliency Maps*. ICLR Workshop, 2014.
# - M. D. Zeiler e R. Fergus. *Visualizing and Understanding Convolutional Networks*. ECCV,
#   2014.
# - D. Smilkov, N. Thorat, B. Kim, F. Viégas e M. Wattenberg. *SmoothGrad: removing noise by
#   adding noise*. arXiv:1706.03825, 2017.
# - J. Adebayo, J. Gilmer, M. Muelly, I. Goodfellow, M. Hardt e B. Kim. *Sanity Checks for
#   Saliency Maps*. NeurIPS, 2018.
# - J. R. Zech, M. A. Badgeley, M. Liu, A. B. Costa, J. J. Titano e E. K. Oermann. *Variable
#   generalization performance of a deep learning model to detect pneumonia in chest
#   radiographs: A cross-sectional study*. PLOS Medicine, 2018.
#
# Os termos desta aula (filtro, mapa de características, mapa de calor, jogo de apontar,
# teste de sanidade, aprendizado por atalho, ...) estão no
# [glossário do curso](https://github.com/cnn-curso-ptbr/curso-cnn/blob/main/docs/glossario.md).
