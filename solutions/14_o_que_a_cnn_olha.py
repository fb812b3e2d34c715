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
#   pesos aleatórios;
# - ler mapas de acertos e erros no CIFAR-10 e perguntar onde um modelo de radiografias olha.

# %%
import time

import keras
import matplotlib.pyplot as plt
import numpy as np

from course_utils import config, explain, xray
from course_utils.checks import ____
from course_utils.datasets import (
    CHEST_XRAY_CLASSES,
    CIFAR10_CLASSES,
    FASHION_CLASSES,
    load_chest_xray,
    load_cifar10,
    load_fashion_mnist,
)
from course_utils.exercises import lesson08, lesson12
from course_utils.exercises.lesson14 import (
    CANVAS,
    NOISE,
    PATCH,
    SEED,
    SMOOTH_SAMPLES,
    STRIDE,
    ex1,
    ex2,
    ex3,
    pointing_settings,
    train_pointing_model,
)
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
print(f"treino: {time.perf_counter() - start:.1f} s | acurácia no teste: {fashion_accuracy:.1%}")

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
# com o mapa de oclusão pintado por cima (`overlay`: vermelho onde cobrir derruba mais a
# probabilidade; onde o mapa é zero, a imagem aparece sem cor):

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
# camada **antes** da softmax; a derivada $\partial y^c / \partial x$ tem uma entrada por pixel,
# e o mapa de saliência é o seu valor absoluto. Um só passo para trás pela rede, o mesmo da
# retropropagação do treino.
#
# O gradiente de um pixel só é muito ruidoso. O SmoothGrad (Smilkov e colegas, 2017) tira a
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
print("Grad-CAM:", cam_maps.shape, f"valores de {cam_maps.min():.1f} a {cam_maps.max():.1f}")
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
# peça: `(topo, esquerda, baixo, direita)`, com `baixo` e `direita` de fora, como numa fatia.

# %%
settings = pointing_settings()
n_train = settings["train"]
canvases, _ = explain.paste_on_canvas(x_train_raw[:n_train], CANVAS, NOISE, seed=SEED)
test_canvases, boxes = explain.paste_on_canvas(x_test_raw, CANVAS, NOISE, seed=SEED + 1)
print(f"{len(canvases)} telas de treino e {len(test_canvases)} de teste, {CANVAS}×{CANVAS}")
chance = explain.box_area_fraction(boxes, CANVAS).mean()
print(f"a caixa ocupa em média {chance:.1%} da tela: é quanto acertaria um ponto sorteado")

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
pointing_model = train_pointing_model(canvases, y_train[:n_train], settings["filters"],
                                      settings["epochs"])
predicted = pointing_model.predict(test_canvases, verbose=0).argmax(axis=1)
right = np.flatnonzero(predicted == y_test)
print(f"treino: {time.perf_counter() - start:.0f} s, {settings['epochs']} épocas | acurácia "
      f"nas telas de teste: {len(right) / len(y_test):.1%}")

# %% [markdown]
# O jogo só vale para as imagens que a rede **acertou**: num erro, ela pode estar olhando
# outra coisa de propósito. Calculamos os três mapas para parte delas (a oclusão, que chama a
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
    print(f"{name:>10}: {len(game_maps[name])} mapas, {1000 * seconds[name]:.1f} ms por imagem")

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
    print(f"{name:>10}: {hits.mean():.1%} de acertos em {len(maps)} imagens")
print(f"{'acaso':>10}: {chance:.1%}")

# %% [markdown]
# Compare cada método com o acaso. No modo rápido a rede treinou pouco e os números oscilam;
# com o treino completo (`docs/results.md` tem os números medidos), o Grad-CAM aponta para a
# peça na grande maioria das imagens. A saliência sofre com o ruído da tela: o gradiente de
# pixels isolados do fundo pode ser grande, e basta um pixel para roubar o máximo. Veja alguns
# mapas, com a caixa verdadeira:

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
# ### O teste de sanidade: pesos aleatórios
#
# Adebayo e colegas (2018) acharam métodos de explicação cujos mapas quase não mudam quando
# os pesos da rede são **sorteados de novo**: eles mostravam as bordas da imagem, não o que a
# rede aprendeu. O teste: mesma arquitetura, pesos aleatórios, mesmas imagens e classes; se os
# mapas forem parecidos com os da rede treinada, o método não está explicando a rede.
#
# "Parecido" é medido pela correlação de postos de Spearman entre os dois mapas de cada
# imagem: 1 se a ordem dos pixels, do mais quente ao mais frio, é a mesma; perto de 0 se não
# tem relação.

# %%
random_model = explain.randomized_copy(pointing_model, seed=SEED)
random_cam = explain.grad_cam(random_model, x_game, class_game)
random_saliency = explain.saliency(random_model, x_game, class_game)
for name, trained, randomized in [("Grad-CAM", game_maps["Grad-CAM"], random_cam),
                                  ("saliência", game_maps["saliência"], random_saliency)]:
    correlation = explain.rank_correlation(trained, randomized)
    print(f"{name:>10}: correlação de Spearman média {np.nanmean(correlation):.2f} "
          f"({np.isnan(correlation).sum()} mapas planos, sem ordem, deixados de fora)")

# %%
pairs = [(x_game[k], m) for k in range(min(4, len(x_game)))
         for m in (game_maps["Grad-CAM"][k], random_cam[k])]
show_images(np.stack([overlay(x, m) for x, m in pairs]),
            titles=["treinada", "pesos aleatórios"] * (len(pairs) // 2), ncols=8,
            suptitle="Grad-CAM: a rede treinada e a mesma rede com pesos sorteados");

# %% [markdown]
# Uma correlação baixa é o que queremos: o mapa depende do que a rede aprendeu. Um mapa que
# passasse igual pelos dois modelos seria um detector de bordas bonito, não uma explicação.

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
print(f"acurácia no teste: {np.mean(c_pred == cy_test):.1%}")

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
# Para cada erro, pergunte: o mapa cobre o objeto (e a confusão é entre classes parecidas,
# como gato e cachorro) ou cobre o fundo, o céu ou a água, que combinam com "avião" e
# "navio"? No modo rápido a rede treinou uma época só e os mapas dizem pouco; rode a aula
# completa para ver erros de uma rede treinada. Imagens 32×32 são pequenas, e a última
# convolução do modelo tem uma resolução ainda menor: os mapas são borrões, não contornos.

# %% [markdown]
# ## Radiografias: pulmão ou bordas?
#
# Na aula 12 a rede de radiografias chegou a uma AUC alta (os números estão em
# `docs/results.md`). Mas **onde** ela olha? Zech e colegas (2018, *PLOS Medicine*) treinaram
# CNNs para achar pneumonia em radiografias de vários hospitais e mostraram que elas
# aprendiam a reconhecer o **hospital**: marcadores metálicos, letras nas bordas, o tipo de
# aparelho. Como a proporção de doentes mudava de hospital para hospital, reconhecer o
# hospital já ajudava a acertar, e o desempenho caía em hospitais que a rede não tinha visto.
# É o aprendizado por atalho (*shortcut learning*): a rede acha o caminho mais fácil nos
# dados, que nem sempre é o que queremos.
#
# Treinamos o modelo da aula 12 (`xray.build_xray_model`, com o tamanho de imagem da aula
# 10), por poucas épocas, e medimos quanto do Grad-CAM cai numa moldura na borda da imagem,
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
print(f"{len(xr_train)} radiografias de treino, {len(xr_test)} de teste, {image_size} | "
      f"acurácia no teste: {np.mean((xr_prob > 0.5) == xr_y_test):.1%}")

# %%
xr_maps = explain.grad_cam(xray_model, xr_test.astype("float32"))
margin = max(1, image_size[0] // 8)
frame = np.ones(image_size, dtype=bool)
frame[margin:-margin, margin:-margin] = False
border_share = xr_maps[:, frame].sum(axis=1) / np.maximum(xr_maps.sum(axis=(1, 2)), 1e-12)
print(f"moldura de {margin} pixels: {frame.mean():.0%} da área da imagem")
print(f"parte do Grad-CAM na moldura: mediana {np.median(border_share):.0%}; em "
      f"{np.mean(border_share > frame.mean()):.0%} das radiografias passa da parte da área")

# %%
xr_shown = np.arange(min(6, len(xr_test)))
show_images(np.stack([overlay(xr_test[k], xr_maps[k]) for k in xr_shown]),
            titles=[f"real: {CHEST_XRAY_CLASSES[xr_y_test[k]]}\nprob. pneumonia {xr_prob[k]:.2f}"
                    for k in xr_shown], ncols=6,
            suptitle="Grad-CAM (classe prevista) em radiografias de teste");

# %% [markdown]
# Como ler esses números: se a parte do mapa na moldura for muito maior do que a parte da
# área que a moldura ocupa, a rede está olhando as bordas, e a AUC da aula 12 pode estar
# medindo em parte um atalho. Dois cuidados. O espelho offline do curso tem radiografias
# 28×28 ampliadas (PneumoniaMNIST), onde letras e marcadores quase somem; nas imagens
# originais, em tamanho cheio, o risco é maior. E a última convolução deste modelo tem poucos
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
#   de sanidade** de pesos aleatórios, em que um bom método muda de mapa.
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
# Os termos desta aula (filtro, mapa de características, janela, *logit*, ...) estão no
# [glossário do curso](https://github.com/cnn-curso-ptbr/curso-cnn/blob/main/docs/glossario.md).
# As taxas do jogo de apontar e os tempos de cada método, medidos com o treino completo, estão
# em `docs/results.md`.
